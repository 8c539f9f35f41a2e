// The targets file: which databases the bot serves and which repositories, by id, may act
// on each. A rename keeps a repository's targets; a repository made anew under an old name
// (a new id) gets nothing; every mistake stops the bot and says what to write.
import { describe, expect, it } from "vitest";
import { readTargets, targetsOf } from "../../src/bot/targets.ts";

const TWO_TEAMS = `targets:
  - name: payments
    namespace: payments-db
    stanza: payments
    repositories:
      - {id: 1001, name: acme/payments-ops}
      - {id: 3003, name: acme/platform}
    floor:
      min_rights: {restore: admin, status: triage}
      restore_teams: [DBA]
      second_approver: true
  - name: ledger
    namespace: ledger-db
    stanza: ledger
    repositories:
      - {id: 2002, name: acme/ledger-ops}
      - {id: 3003, name: acme/platform}
`;

describe("the targets file", () => {
  const targets = readTargets(TWO_TEAMS, "targets.yaml");

  it("reads each target's namespace, stanza, repositories and floor", () => {
    expect(targets).toEqual([
      {
        name: "payments",
        namespace: "payments-db",
        stanza: "payments",
        repositories: [
          { id: 1001, name: "acme/payments-ops" },
          { id: 3003, name: "acme/platform" },
        ],
        floor: {
          minimumRights: { backup: "write", status: "triage", validate: "write", restore: "admin" },
          restoreTeams: ["dba"],
          secondApprover: true,
        },
      },
      {
        name: "ledger",
        namespace: "ledger-db",
        stanza: "ledger",
        repositories: [
          { id: 2002, name: "acme/ledger-ops" },
          { id: 3003, name: "acme/platform" },
        ],
        // No floor written: the defaults, which a repository's file can only tighten.
        floor: {
          minimumRights: { backup: "write", status: "write", validate: "write", restore: "admin" },
          restoreTeams: [],
          secondApprover: false,
        },
      },
    ]);
  });

  it("gives a repository its own targets, by id", () => {
    expect(targetsOf(targets, 1001).map((t) => t.name)).toEqual(["payments"]);
    expect(targetsOf(targets, 2002).map((t) => t.name)).toEqual(["ledger"]);
    expect(targetsOf(targets, 3003).map((t) => t.name)).toEqual(["payments", "ledger"]);
  });

  it("keeps a renamed repository's targets: the id decides, not the name written beside it", () => {
    // acme/payments-ops renamed acme/payments-runbooks keeps id 1001.
    expect(targetsOf(targets, 1001).map((t) => t.name)).toEqual(["payments"]);
  });

  it("gives an unknown id nothing, even a repository made anew under a listed name", () => {
    // acme/payments-ops deleted and created again (by anyone who may create repositories in
    // the organisation) has a new id.
    expect(targetsOf(targets, 1002)).toEqual([]);
    expect(targetsOf(targets, 0)).toEqual([]);
  });

  it.each([
    ["", "names no target: the bot would serve nothing"],
    ["targets: []", "names no target"],
    ["repositories: [acme/ops]", "unknown key repositories (known: targets)"],
    ["targets: [{", "is not valid YAML"],
    [
      "targets:\n  - {name: payments, namespace: payments-db, stanza: payments}",
      "targets[0]: repositories is missing",
    ],
    [
      "targets:\n  - {name: Payments, namespace: p, stanza: p, repositories: [{id: 1, name: a/b}]}",
      '"Payments" is not a target name',
    ],
    [
      "targets:\n  - {name: p, namespace: P_DB, stanza: p, repositories: [{id: 1, name: a/b}]}",
      'targets.p.namespace: "P_DB" is not a namespace name',
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: 'a b', repositories: [{id: 1, name: a/b}]}",
      'targets.p.stanza: "a b" is not a stanza name',
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [acme/ops]}",
      "targets.p.repositories[0]: should be a mapping of id, name",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: '1001', name: a/b}]}",
      'targets.p.repositories[0].id: "1001" is not a repository id',
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: 1001}]}",
      "targets.p.repositories[0].name: null is not owner/repo",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: []}",
      "targets.p.repositories: should list the repositories that may act on it",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: 1, name: a/b}, {id: 1, name: a/c}]}",
      "repository id 1 is listed twice",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, database: x, repositories: [{id: 1, name: a/b}]}",
      "unknown key database",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: 1, name: a/b}], floor: {min_rights: {restore: owner}}}",
      'targets.p.floor.min_rights.restore: "owner"; use one of read',
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: 1, name: a/b}], floor: {min_rights: {delete: admin}}}",
      "unknown key delete",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: 1, name: a/b}], floor: {second_approver: 'yes'}}",
      "targets.p.floor.second_approver: should be true or false",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: 1, name: a/b}], floor: {restore_teams: ['dba team']}}",
      "targets.p.floor.restore_teams: should be a list of team slugs",
    ],
    [
      "targets:\n  - {name: p, namespace: p, stanza: p, repositories: [{id: 1, name: a/b}]}\n  - {name: p, namespace: q, stanza: q, repositories: [{id: 1, name: a/b}]}",
      "target p is listed twice",
    ],
    [
      "targets:\n  - {name: p, namespace: db, stanza: p, repositories: [{id: 1, name: a/b}]}\n  - {name: q, namespace: db, stanza: q, repositories: [{id: 2, name: a/c}]}",
      "namespace db is listed twice",
    ],
  ])("refuses %j and says what to write", (text, message) => {
    expect(() => readTargets(text, "targets.yaml")).toThrow(message);
    expect(() => readTargets(text, "targets.yaml")).toThrow("A target is written like this");
  });
});

// The base's defaults for what an overlay or a person may change. Code that needs the real
// value reads it from the rendered manifests or the settings; these are only what it is
// when nothing says otherwise. When you add or change one, update the table in
// docs/architecture.md ("Names, labels and annotations").

/** The base kustomization's namespace; an overlay sets its own (settings.namespace). */
export const BASE_NAMESPACE = "ai-governance";

/**
 * The bot's own namespace (manifests/bot's), apart from every database it serves: its
 * records live there, so it needs no right on ConfigMaps beside a database.
 */
export const BOT_NAMESPACE = "mcpgov-backup-bot";

/** The base's stanza, `pgbackrest-config`'s `stanza` key; an overlay sets its own (settings.stanza). */
export const BASE_STANZA = "mcpgov";

/** How long a clone lives when nobody says: the Action's `clone-ttl` default (action.yml) and the bot's. */
export const DEFAULT_CLONE_TTL = "4h";

/**
 * The days of point-in-time recovery the product guarantees when nothing says otherwise:
 * the base's time retention (`repo1-retention-full-type=time`, `repo1-retention-full=7`),
 * and, under an overlay's count retention, the floor an ad-hoc full may not shrink the
 * window below (core/retention.ts). The seed's own example kept a week.
 */
export const GUARANTEED_WINDOW_DAYS = 7;

/**
 * The label of the issues the bot takes commands on when the policy names none
 * (`ops_label`), and the labels the Action's report carries when its `report-labels`
 * input says none (action.yml repeats it; a test holds the two equal).
 */
export const DEFAULT_OPS_LABEL = "ops";

/** The Action's own label on the issues it opens, beside the ops label: how it finds them again. */
export const ACTION_REPORT_LABEL = "mcpgov-backup";

/** How often the Action's workflow runs when its `run-interval` input says nothing (action.yml repeats it). */
export const DEFAULT_RUN_INTERVAL = "7d";

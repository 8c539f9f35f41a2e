// RBAC rules as the Kubernetes authoriser reads them: a rule allows a request when its
// apiGroups, resources (resource or resource/subresource) and verbs each hold the
// request's, or "*"; and, when the rule lists resourceNames, the request names one of
// them (a list or a create names none, so such a rule never allows it; resourceNames take
// no wildcard). The one evaluation in the product: the local runner's API enforces it, and
// the tests hold the bot's Role to what it uses with it.

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs?: string[];
}

export interface Access {
  verb: string;
  /** "" for the core group */
  group: string;
  /** resource or resource/subresource, as in a Role */
  resource: string;
  /** undefined when the request names no object (list, create) */
  name?: string;
}

export function ruleAllows(rule: PolicyRule, access: Access): boolean {
  const has = (list: string[] | undefined, value: string) =>
    (list ?? []).some((v) => v === value || v === "*");
  if (!has(rule.apiGroups, access.group)) return false;
  if (!has(rule.resources, access.resource)) return false;
  if (!has(rule.verbs, access.verb)) return false;
  if (rule.resourceNames?.length)
    return access.name !== undefined && rule.resourceNames.includes(access.name);
  return true;
}

// Label selectors as Kubernetes evaluates them (metav1.LabelSelector): every matchLabels
// pair and every matchExpressions requirement must hold. In: the key is there with one of
// the values; NotIn: the key is absent or has none of them; Exists and DoesNotExist look at
// the key alone. An empty selector selects everything. The one evaluation in the product:
// the local runner's lists, its NetworkPolicy enforcement and the offline reference checks.

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;

/** Whether the selector selects an object with these labels (an absent selector selects all). */
export function selects(
  selector: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const have = labels ?? {};
  const pairs = Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => have[k] === v);
  return (
    pairs &&
    (selector?.matchExpressions ?? []).every((e) => {
      const has = Object.hasOwn(have, e.key);
      switch (e.operator) {
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
        case "In":
          return has && (e.values ?? []).includes(have[e.key] as string);
        case "NotIn":
          return !has || !(e.values ?? []).includes(have[e.key] as string);
        default:
          throw new Error(`label selector: unknown operator ${e.operator}`);
      }
    })
  );
}

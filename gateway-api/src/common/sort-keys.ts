/** Fields the asset list can be sorted by (read model): a field, ascending, or `-field`, descending. */
export const SORT_FIELDS = ['id', 'sku', 'status', 'createdAt', 'updatedAt'] as const;
export type SortField = (typeof SORT_FIELDS)[number];
/** Every accepted `sort` value. */
export const SORT_VALUES: readonly string[] = SORT_FIELDS.flatMap((f) => [f, `-${f}`]);

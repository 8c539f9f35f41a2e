// The SQL that puts a restored table's rows back into the live table (/restore table).

export interface ChangedRows {
  rows: number;
  keys: string[];
  list: string;
  overwrite: string;
}

export type TableMerge =
  | { offered: true; addMissing: string; missingRows: number; changed: ChangedRows | null }
  | { offered: false; why: string };

export async function tableMerge(
  _query: (sql: string) => Promise<string>,
  source: string,
  restoredAs: string,
): Promise<TableMerge> {
  return {
    offered: true,
    addMissing: `insert into ${source} select * from ${restoredAs} on conflict do nothing;`,
    missingRows: 0,
    changed: null,
  };
}

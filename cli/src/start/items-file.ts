/**
 * Items for `start --items FILE|-`: a JSON array, JSON Lines, or CSV with a header row (each row
 * an object keyed by column, as the Distributed Map's CSV reader gives it). The format is the
 * file's extension (.json, .jsonl / .ndjson, .csv), else its first character ('[' a JSON array,
 * '{' JSON Lines, anything else CSV).
 */
import { parseJsonEntries } from '../report/json-entries';

export type ItemsFormat = 'json' | 'jsonl' | 'csv';

export function formatOfItems(name: string, text: string): ItemsFormat {
  const extension = /\.(json|jsonl|ndjson|csv)$/i.exec(name)?.[1].toLowerCase();
  if (extension === 'json') return 'json';
  if (extension === 'jsonl' || extension === 'ndjson') return 'jsonl';
  if (extension === 'csv') return 'csv';
  const first = text.trimStart()[0];
  return first === '[' ? 'json' : first === '{' ? 'jsonl' : 'csv';
}

/** Parses the items; throws naming the file and the line on bad input. */
export function parseItems(name: string, text: string): unknown[] {
  const format = formatOfItems(name, text);
  if (format === 'csv') return parseCsv(name, text);
  const trimmed = text.trim();
  if (format === 'json' && !trimmed.startsWith('[')) throw new Error(`${name}: not a JSON array of items`);
  return parseJsonEntries(trimmed, name);
}

/** CSV (RFC 4180: quoted fields, doubled quotes, CRLF) with a header row; each row an object of strings. */
export function parseCsv(name: string, text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => { row.push(field); field = ''; };
  const endRow = () => { endField(); if (!(row.length === 1 && row[0] === '')) rows.push(row); row = []; };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') endRow();
    else if (c !== '\r') field += c;
    i++;
  }
  if (quoted) throw new Error(`${name}: a quoted field is not closed`);
  if (field !== '' || row.length > 0) endRow();
  if (rows.length === 0) return [];
  const [header, ...body] = rows;
  return body.map((cells, r) => {
    if (cells.length !== header.length) throw new Error(`${name}: row ${r + 2} has ${cells.length} fields, the header ${header.length}`);
    return Object.fromEntries(header.map((column, c) => [column, cells[c]]));
  });
}

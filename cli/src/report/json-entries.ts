/**
 * The entries of a result file, read as a stream: the result writer writes each file as ONE JSON
 * array (up to 5 GB), or as JSON Lines; neither fits in one string (V8 strings stop near 512 MB),
 * so the file is split into its entries as it arrives, each entry parsed on its own. Memory holds
 * one entry (and one chunk) at a time; time is linear in the file's length.
 */
import { Readable } from 'stream';

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;
const NEWLINE = 10;

/**
 * Splits JSON text, given in chunks, into the values of a top-level array (`[a, b, ...]`) or of
 * JSON Lines (one value a line), whichever the text starts with, and parses each.
 */
export class JsonEntrySplitter {
  private mode: 'unknown' | 'array' | 'lines' | 'done' = 'unknown';
  private carry = '';
  /** How much of `carry` was scanned already. */
  private scanned = 0;
  /** Where the current value starts in `carry` (after a push), or -1. */
  private start = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private startLine = 1;
  private count = 0;

  constructor(private readonly where: string, private readonly onEntry: (entry: unknown, index: number) => void) {}

  public push(chunk: string): void {
    const text = this.carry + chunk;
    let start = this.start;
    for (let i = this.scanned; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === NEWLINE) {
        if (this.mode === 'lines' && this.depth === 0 && start >= 0) {
          this.emit(text.slice(start, i));
          start = -1;
        }
        this.line++;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) continue;
      if (this.mode === 'done') throw new Error(`${this.where}: text after the array's end (line ${this.line})`);
      if (this.mode === 'unknown') {
        if (c === OPEN_BRACKET) {
          this.mode = 'array';
          this.depth = 1;
          continue;
        }
        this.mode = 'lines';
      }
      const base = this.mode === 'array' ? 1 : 0;
      if (start < 0 && this.depth === base && c !== COMMA && !(this.mode === 'array' && c === CLOSE_BRACKET)) {
        start = i;
        this.startLine = this.line;
      }
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
        if (this.mode === 'array' && this.depth === 0) {
          if (start >= 0) this.emit(text.slice(start, i));
          start = -1;
          this.mode = 'done';
        }
      } else if (c === COMMA && this.mode === 'array' && this.depth === 1) {
        if (start < 0) throw new Error(`${this.where}: entry ${this.count + 1} is empty (line ${this.line})`);
        this.emit(text.slice(start, i));
        start = -1;
      }
    }
    if (start >= 0) {
      this.carry = text.slice(start);
      this.scanned = this.carry.length;
      this.start = 0;
    } else {
      this.carry = '';
      this.scanned = 0;
      this.start = -1;
    }
  }

  /** The end of the text: the last JSON Line, or an array left open. Returns the entries read. */
  public end(): number {
    if (this.mode === 'array') throw new Error(`${this.where}: the array is not closed (the file ends at line ${this.line})`);
    if (this.mode === 'lines' && this.start >= 0) this.emit(this.carry);
    this.carry = '';
    this.start = -1;
    return this.count;
  }

  private emit(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(this.mode === 'lines' ? `${this.where}: line ${this.startLine} is not JSON` : `${this.where}: entry ${this.count + 1} (line ${this.startLine}) is not JSON`);
    }
    this.onEntry(value, this.count++);
  }
}

/** Reads a stream of JSON text entry by entry; `onEntry` is called for each. Returns the count. */
export async function readJsonEntries(stream: Readable, where: string, onEntry: (entry: unknown, index: number) => void): Promise<number> {
  const splitter = new JsonEntrySplitter(where, onEntry);
  stream.setEncoding('utf8');
  for await (const chunk of stream) splitter.push(chunk as string);
  return splitter.end();
}

/** The entries of a whole text (a small file): a JSON array or JSON Lines. */
export function parseJsonEntries(text: string, where: string): unknown[] {
  const entries: unknown[] = [];
  const splitter = new JsonEntrySplitter(where, (entry) => entries.push(entry));
  splitter.push(text);
  splitter.end();
  return entries;
}

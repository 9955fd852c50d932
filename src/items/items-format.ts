/**
 * The format of a file of items in S3, as a Distributed Map's item reader reads it.
 */
export class FanOutItemsFormat {
  /** A CSV file whose first row names the columns; each further row is one item, an object keyed by column name. */
  public static readonly CSV = new FanOutItemsFormat('CSV');

  /** A JSON Lines file; each line is one item. */
  public static readonly JSON_LINES = new FanOutItemsFormat('JSON_LINES');

  /** A JSON file whose top level is an array; each element is one item. */
  public static readonly JSON = new FanOutItemsFormat('JSON');

  /** The format's name. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** The format's name. */
  public toString(): string {
    return this.name;
  }
}

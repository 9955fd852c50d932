/** The environment variable that carries the item (a JSON string) into the container. */
export const FANOUT_ITEM_ENV = 'FANOUT_ITEM';

/** The environment variable that carries a batch of items (a JSON array) into the container. */
export const FANOUT_ITEMS_ENV = 'FANOUT_ITEMS';

/** The environment variable that carries the task token in the callback pattern. */
export const FANOUT_TASK_TOKEN_ENV = 'FANOUT_TASK_TOKEN';

/**
 * Sort a short array in place by a numeric key: an insertion sort, for the lists hot paths sort thousands of
 * times a second that rarely hold more than a few items (a step's due nodes, a cron's due nodes), where
 * Array.prototype.sort's set-up costs more than the sorting. Stable.
 */
export function sortSmall<T>(items: T[], key: (item: T) => number): void {
  for (let i = 1; i < items.length; i++) {
    const item = items[i];
    const k = key(item);
    let j = i - 1;
    while (j >= 0 && key(items[j]) > k) {
      items[j + 1] = items[j];
      j--;
    }
    items[j + 1] = item;
  }
}

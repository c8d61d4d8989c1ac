// In-place stable sort for the short arrays hot paths sort many times per request (the path
// elements of one field-set node, the keys of one object): Array#sort allocates working
// storage on every call, which for two to ten elements costs more than the sorting itself.

/** Below this length insertion sort is used; longer arrays go to Array#sort. */
const SMALL = 16;

/** Sorts `items` in place (stable, as Array#sort) and returns it. */
export function sortSmall<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  if (items.length > SMALL) return items.sort(compare);
  for (let i = 1; i < items.length; i++) {
    const item = items[i] as T;
    let j = i - 1;
    while (j >= 0 && compare(items[j] as T, item) > 0) {
      items[j + 1] = items[j] as T;
      j--;
    }
    items[j + 1] = item;
  }
  return items;
}

"""Nested loops with data movement: insertion sort."""


def insertion_sort(items):
    items = list(items)
    for i in range(1, len(items)):
        key = items[i]
        j = i - 1
        while j >= 0 and items[j] > key:
            items[j + 1] = items[j]
            j -= 1
        items[j + 1] = key
    return items


SIZES = {"full": 2500, "small": 250}


def main(size="full"):
    data = [(i * 7919) % 401 for i in range(SIZES[size])]
    return insertion_sort(data)[:3]

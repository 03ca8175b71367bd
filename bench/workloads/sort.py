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


def main():
    data = [(i * 7919) % 401 for i in range(400)]
    return insertion_sort(data)[:3]

"""Asks the user for input: nobody is there to type."""


def ask():
    return input("your name? ")


def test_ask():
    assert ask() == "Ada"


if __name__ == "__main__":
    print(ask())

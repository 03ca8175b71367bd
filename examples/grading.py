"""Turn a numeric score into a letter grade.

Bug: the boundary for an A uses ``>`` where the rule is "90 or more", so 90 gets a B.
"""


def letter(score):
    if score > 90:
        return "A"
    elif score >= 80:
        return "B"
    elif score >= 70:
        return "C"
    return "F"


def test_top_scores():
    assert letter(95) == "A"
    assert letter(90) == "A"


def test_middle_scores():
    assert letter(85) == "B"
    assert letter(72) == "C"


def test_failing_score():
    assert letter(10) == "F"

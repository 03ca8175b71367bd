import math
import unittest

from shapes import area


class TestRectangle(unittest.TestCase):
    def test_area(self):
        self.assertEqual(area.rectangle(3, 4), 12)

    def test_square(self):
        self.assertEqual(area.square(5), 25)

    def test_negative_side(self):
        with self.assertRaises(ValueError):
            area.rectangle(-1, 2)


class TestCircle(unittest.TestCase):
    def setUp(self):
        self.places = 9

    def test_zero_radius(self):
        self.assertEqual(area.circle(0), 0)

    def test_unit_circle(self):
        self.assertAlmostEqual(area.circle(1), math.pi, places=self.places)


class TestTriangle(unittest.TestCase):
    def test_right_triangle(self):
        self.assertEqual(area.triangle(3, 4), 6)


if __name__ == "__main__":
    unittest.main()

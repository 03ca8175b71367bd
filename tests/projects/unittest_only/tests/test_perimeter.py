import math
import unittest

from shapes import perimeter


class TestPerimeter(unittest.TestCase):
    def test_rectangle(self):
        self.assertEqual(perimeter.rectangle(3, 4), 14)

    def test_circle(self):
        self.assertAlmostEqual(perimeter.circle(1), 2 * math.pi)


if __name__ == "__main__":
    unittest.main()

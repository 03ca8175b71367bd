"""Prior of the decide model. Written by `python bench/decide.py --fit`; do not edit by hand.

weights: MAP logistic regression (Gaussian prior, variance 4) on the validated suggestions of the
corpus (label = passes the hidden tests) and of real projects (label = the whole suite passes);
operators: per-operator (correct, validated) counts;
calibration: [precision target, lowest threshold reaching it] from 5-fold out-of-fold predictions.
"""

PRIOR = {
    "calibration": [
        [
            0.0,
            0.0
        ],
        [
            0.5,
            0.0566
        ],
        [
            0.51,
            0.0573
        ],
        [
            0.52,
            0.0618
        ],
        [
            0.53,
            0.0638
        ],
        [
            0.54,
            0.0664
        ],
        [
            0.55,
            0.0756
        ],
        [
            0.56,
            0.0807
        ],
        [
            0.57,
            0.0847
        ],
        [
            0.58,
            0.0878
        ],
        [
            0.59,
            0.0888
        ],
        [
            0.6,
            0.0891
        ],
        [
            0.61,
            0.0953
        ],
        [
            0.62,
            0.0976
        ],
        [
            0.63,
            0.0988
        ],
        [
            0.64,
            0.1032
        ],
        [
            0.65,
            0.1155
        ],
        [
            0.66,
            0.1169
        ],
        [
            0.67,
            0.1291
        ],
        [
            0.68,
            0.1479
        ],
        [
            0.69,
            0.1486
        ],
        [
            0.7,
            0.1538
        ],
        [
            0.71,
            0.1547
        ],
        [
            0.72,
            0.1551
        ],
        [
            0.73,
            0.1556
        ],
        [
            0.74,
            0.1566
        ],
        [
            0.75,
            0.1642
        ],
        [
            0.76,
            0.1758
        ],
        [
            0.77,
            0.1786
        ],
        [
            0.78,
            0.1946
        ],
        [
            0.79,
            0.2001
        ],
        [
            0.8,
            0.2024
        ],
        [
            0.81,
            0.2067
        ],
        [
            0.82,
            0.2167
        ],
        [
            0.83,
            0.2271
        ],
        [
            0.84,
            0.2352
        ],
        [
            0.85,
            0.2536
        ],
        [
            0.86,
            0.2974
        ],
        [
            0.87,
            0.3314
        ],
        [
            0.88,
            0.3549
        ],
        [
            0.89,
            0.3604
        ],
        [
            0.9,
            0.6046
        ],
        [
            0.91,
            1.0
        ],
        [
            0.92,
            1.0
        ],
        [
            0.93,
            1.0
        ],
        [
            0.94,
            1.0
        ],
        [
            0.95,
            1.0
        ],
        [
            0.96,
            1.0
        ],
        [
            0.97,
            1.0
        ],
        [
            0.98,
            1.0
        ],
        [
            0.99,
            1.0
        ],
        [
            0.995,
            1.0
        ],
        [
            1.0,
            1.0
        ]
    ],
    "fitted_on": "bench/results/decide_suggestions.jsonl + bench/results/projects_suggestions.jsonl: 155 suggestions, 94 programs/modules",
    "n": 155,
    "operators": {
        "arithmetic": [
            6,
            9
        ],
        "boolean": [
            3,
            8
        ],
        "comparison": [
            16,
            37
        ],
        "constant": [
            2,
            4
        ],
        "conversion": [
            0,
            1
        ],
        "delete_statement": [
            0,
            2
        ],
        "guard": [
            3,
            3
        ],
        "missing_return": [
            16,
            19
        ],
        "off_by_one": [
            15,
            30
        ],
        "return_value": [
            4,
            11
        ],
        "swap_operands": [
            1,
            1
        ],
        "swapped_args": [
            3,
            6
        ],
        "wrong_variable": [
            7,
            23
        ],
        "wrong_variable+slice_bounds": [
            1,
            1
        ]
    },
    "overall_rate": 0.4968,
    "weights": {
        "agreement": 0.0,
        "all_pass": 3.816,
        "bias": -2.3273,
        "const_return": 0.6755,
        "deletes": -0.2102,
        "drift": -0.0913,
        "fixed_frac": 1.5257,
        "inv_rank": 0.183,
        "llm": 0.0,
        "log_lines": -1.3393,
        "log_tokens": 0.0687,
        "multi_edit": 0.499,
        "nb_changed": -0.8015,
        "nb_errors": 0.0,
        "op_prior": 0.1776,
        "rival": -1.6761,
        "test_literal": -0.5731,
        "top_block": 0.8919,
        "user_op": 1.0
    }
}

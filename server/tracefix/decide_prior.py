"""Prior of the decide model. Written by `python bench/decide.py --fit`; do not edit by hand.

weights: MAP logistic regression (Gaussian prior, variance 4) on the validated corpus suggestions,
label = passes the hidden tests; operators: per-operator (correct, validated) counts;
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
            0.0476
        ],
        [
            0.51,
            0.0503
        ],
        [
            0.52,
            0.0512
        ],
        [
            0.53,
            0.0524
        ],
        [
            0.54,
            0.0538
        ],
        [
            0.55,
            0.0539
        ],
        [
            0.56,
            0.0541
        ],
        [
            0.57,
            0.0632
        ],
        [
            0.58,
            0.0637
        ],
        [
            0.59,
            0.0684
        ],
        [
            0.6,
            0.0803
        ],
        [
            0.61,
            0.0803
        ],
        [
            0.62,
            0.0859
        ],
        [
            0.63,
            0.0948
        ],
        [
            0.64,
            0.1011
        ],
        [
            0.65,
            0.1028
        ],
        [
            0.66,
            0.1045
        ],
        [
            0.67,
            0.1162
        ],
        [
            0.68,
            0.1217
        ],
        [
            0.69,
            0.1239
        ],
        [
            0.7,
            0.1359
        ],
        [
            0.71,
            0.1359
        ],
        [
            0.72,
            0.1405
        ],
        [
            0.73,
            0.1423
        ],
        [
            0.74,
            0.1712
        ],
        [
            0.75,
            0.1712
        ],
        [
            0.76,
            0.1787
        ],
        [
            0.77,
            0.2906
        ],
        [
            0.78,
            0.2906
        ],
        [
            0.79,
            0.3345
        ],
        [
            0.8,
            0.3345
        ],
        [
            0.81,
            0.46
        ],
        [
            0.82,
            0.5375
        ],
        [
            0.83,
            0.5375
        ],
        [
            0.84,
            0.6448
        ],
        [
            0.85,
            0.8347
        ],
        [
            0.86,
            0.9299
        ],
        [
            0.87,
            0.9299
        ],
        [
            0.88,
            0.9299
        ],
        [
            0.89,
            0.9299
        ],
        [
            0.9,
            0.9299
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
    "fitted_on": "bench/results/decide_suggestions.jsonl: 119 suggestions, 82 programs",
    "n": 119,
    "operators": {
        "arithmetic": [
            5,
            10
        ],
        "boolean": [
            1,
            3
        ],
        "comparison": [
            16,
            35
        ],
        "constant": [
            0,
            5
        ],
        "conversion": [
            0,
            1
        ],
        "guard": [
            2,
            2
        ],
        "missing_return": [
            11,
            19
        ],
        "missing_return+delete_statement": [
            0,
            1
        ],
        "off_by_one": [
            4,
            17
        ],
        "return_value": [
            3,
            9
        ],
        "swapped_args": [
            1,
            1
        ],
        "wrong_variable": [
            4,
            16
        ]
    },
    "overall_rate": 0.3967,
    "weights": {
        "agreement": 0.0,
        "all_pass": 4.6927,
        "bias": -1.309,
        "const_return": 0.2881,
        "deletes": 0.0,
        "drift": 0.0,
        "fixed_frac": 1.7805,
        "inv_rank": -0.8054,
        "llm": 0.0,
        "log_lines": -1.2986,
        "log_tests": -1.0264,
        "log_tokens": 0.582,
        "multi_edit": -0.1288,
        "nb_changed": 0.3134,
        "nb_errors": -0.1892,
        "op_prior": 0.9349,
        "rival": -1.7021,
        "test_literal": 0.0,
        "top_block": 0.174,
        "user_op": 1.0
    }
}

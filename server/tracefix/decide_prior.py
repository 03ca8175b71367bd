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
            0.0468
        ],
        [
            0.51,
            0.0526
        ],
        [
            0.52,
            0.0549
        ],
        [
            0.53,
            0.0594
        ],
        [
            0.54,
            0.0612
        ],
        [
            0.55,
            0.0623
        ],
        [
            0.56,
            0.0679
        ],
        [
            0.57,
            0.0693
        ],
        [
            0.58,
            0.0724
        ],
        [
            0.59,
            0.0732
        ],
        [
            0.6,
            0.0807
        ],
        [
            0.61,
            0.0825
        ],
        [
            0.62,
            0.0833
        ],
        [
            0.63,
            0.0837
        ],
        [
            0.64,
            0.0887
        ],
        [
            0.65,
            0.1025
        ],
        [
            0.66,
            0.1035
        ],
        [
            0.67,
            0.1036
        ],
        [
            0.68,
            0.1054
        ],
        [
            0.69,
            0.111
        ],
        [
            0.7,
            0.1111
        ],
        [
            0.71,
            0.1131
        ],
        [
            0.72,
            0.1349
        ],
        [
            0.73,
            0.1502
        ],
        [
            0.74,
            0.1502
        ],
        [
            0.75,
            0.1572
        ],
        [
            0.76,
            0.1606
        ],
        [
            0.77,
            0.1711
        ],
        [
            0.78,
            0.1711
        ],
        [
            0.79,
            0.1878
        ],
        [
            0.8,
            0.3475
        ],
        [
            0.81,
            0.3475
        ],
        [
            0.82,
            0.3601
        ],
        [
            0.83,
            0.3877
        ],
        [
            0.84,
            0.3877
        ],
        [
            0.85,
            0.5066
        ],
        [
            0.86,
            0.5066
        ],
        [
            0.87,
            0.7756
        ],
        [
            0.88,
            0.8688
        ],
        [
            0.89,
            0.8937
        ],
        [
            0.9,
            0.897
        ],
        [
            0.91,
            0.9023
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
        "all_pass": 4.8316,
        "bias": -2.2062,
        "const_return": 0.3052,
        "deletes": 0.0,
        "drift": 0.0,
        "fixed_frac": 1.6703,
        "inv_rank": -1.075,
        "llm": 0.0,
        "log_lines": -1.9513,
        "log_tokens": 0.4689,
        "multi_edit": -0.181,
        "nb_changed": 0.4903,
        "nb_errors": -0.3462,
        "op_prior": 0.8842,
        "rival": -1.6232,
        "test_literal": 0.0,
        "top_block": 0.3648,
        "user_op": 1.0
    }
}

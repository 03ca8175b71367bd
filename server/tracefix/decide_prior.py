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
            0.0204
        ],
        [
            0.51,
            0.0204
        ],
        [
            0.52,
            0.0204
        ],
        [
            0.53,
            0.0204
        ],
        [
            0.54,
            0.0204
        ],
        [
            0.55,
            0.0204
        ],
        [
            0.56,
            0.0204
        ],
        [
            0.57,
            0.0204
        ],
        [
            0.58,
            0.0204
        ],
        [
            0.59,
            0.0204
        ],
        [
            0.6,
            0.0204
        ],
        [
            0.61,
            0.0204
        ],
        [
            0.62,
            0.0204
        ],
        [
            0.63,
            0.0204
        ],
        [
            0.64,
            0.0204
        ],
        [
            0.65,
            0.0204
        ],
        [
            0.66,
            0.0204
        ],
        [
            0.67,
            0.0204
        ],
        [
            0.68,
            0.0204
        ],
        [
            0.69,
            0.0309
        ],
        [
            0.7,
            0.032
        ],
        [
            0.71,
            0.0447
        ],
        [
            0.72,
            0.0502
        ],
        [
            0.73,
            0.0529
        ],
        [
            0.74,
            0.0566
        ],
        [
            0.75,
            0.0566
        ],
        [
            0.76,
            0.0673
        ],
        [
            0.77,
            0.0682
        ],
        [
            0.78,
            0.0682
        ],
        [
            0.79,
            0.069
        ],
        [
            0.8,
            0.07
        ],
        [
            0.81,
            0.0776
        ],
        [
            0.82,
            0.0815
        ],
        [
            0.83,
            0.0894
        ],
        [
            0.84,
            0.0894
        ],
        [
            0.85,
            0.101
        ],
        [
            0.86,
            0.1056
        ],
        [
            0.87,
            0.1069
        ],
        [
            0.88,
            0.1111
        ],
        [
            0.89,
            0.1221
        ],
        [
            0.9,
            0.1221
        ],
        [
            0.91,
            0.1244
        ],
        [
            0.92,
            0.1752
        ],
        [
            0.93,
            0.1913
        ],
        [
            0.94,
            0.2449
        ],
        [
            0.95,
            0.2828
        ],
        [
            0.96,
            0.9521
        ],
        [
            0.97,
            0.9521
        ],
        [
            0.98,
            0.9521
        ],
        [
            0.99,
            0.9521
        ],
        [
            0.995,
            0.9521
        ],
        [
            1.0,
            1.0
        ]
    ],
    "fitted_on": "bench/results/decide_suggestions.jsonl: 140 suggestions, 99 programs",
    "n": 140,
    "operators": {
        "arithmetic": [
            8,
            11
        ],
        "base_case": [
            2,
            2
        ],
        "boolean": [
            7,
            9
        ],
        "comparison": [
            17,
            26
        ],
        "constant": [
            5,
            6
        ],
        "function_swap": [
            0,
            1
        ],
        "guard": [
            2,
            2
        ],
        "missing_key": [
            1,
            1
        ],
        "missing_return": [
            12,
            14
        ],
        "off_by_one": [
            18,
            30
        ],
        "return_value": [
            5,
            9
        ],
        "swap_operands": [
            6,
            6
        ],
        "swapped_args": [
            2,
            2
        ],
        "wrong_variable": [
            11,
            21
        ]
    },
    "overall_rate": 0.6831,
    "weights": {
        "agreement": 0.0,
        "all_pass": 5.5182,
        "bias": -1.0054,
        "fixed_frac": 2.1321,
        "inv_rank": -0.7396,
        "llm": 0.0,
        "log_lines": 0.335,
        "log_tests": -1.8598,
        "log_tokens": 0.5801,
        "op_prior": -0.8367,
        "top_block": -0.4411,
        "user_op": 1.0
    }
}

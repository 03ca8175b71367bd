"""Prior of the decide model. Written by `python bench/decide.py --fit`; do not edit by hand.

weights: MAP logistic regression (Gaussian prior, variance 0.25) on the validated suggestions of the
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
            0.0967
        ],
        [
            0.51,
            0.105
        ],
        [
            0.52,
            0.1109
        ],
        [
            0.53,
            0.1149
        ],
        [
            0.54,
            0.1236
        ],
        [
            0.55,
            0.1266
        ],
        [
            0.56,
            0.1314
        ],
        [
            0.57,
            0.136
        ],
        [
            0.58,
            0.1379
        ],
        [
            0.59,
            0.144
        ],
        [
            0.6,
            0.1502
        ],
        [
            0.61,
            0.1566
        ],
        [
            0.62,
            0.1631
        ],
        [
            0.63,
            0.164
        ],
        [
            0.64,
            0.1667
        ],
        [
            0.65,
            0.1758
        ],
        [
            0.66,
            0.1803
        ],
        [
            0.67,
            0.1843
        ],
        [
            0.68,
            0.1877
        ],
        [
            0.69,
            0.1918
        ],
        [
            0.7,
            0.2021
        ],
        [
            0.71,
            0.2054
        ],
        [
            0.72,
            0.2106
        ],
        [
            0.73,
            0.2138
        ],
        [
            0.74,
            0.2184
        ],
        [
            0.75,
            0.2203
        ],
        [
            0.76,
            0.2297
        ],
        [
            0.77,
            0.2322
        ],
        [
            0.78,
            0.234
        ],
        [
            0.79,
            0.2373
        ],
        [
            0.8,
            0.2587
        ],
        [
            0.81,
            0.2599
        ],
        [
            0.82,
            0.2635
        ],
        [
            0.83,
            0.271
        ],
        [
            0.84,
            0.2811
        ],
        [
            0.85,
            0.2996
        ],
        [
            0.86,
            0.3018
        ],
        [
            0.87,
            0.3281
        ],
        [
            0.88,
            0.3445
        ],
        [
            0.89,
            0.3611
        ],
        [
            0.9,
            0.567
        ],
        [
            0.91,
            0.7156
        ],
        [
            0.92,
            0.747
        ],
        [
            0.93,
            0.7607
        ],
        [
            0.94,
            0.7767
        ],
        [
            0.95,
            0.7854
        ],
        [
            0.96,
            0.7948
        ],
        [
            0.97,
            0.7981
        ],
        [
            0.98,
            0.8038
        ],
        [
            0.99,
            0.8146
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
    "fitted_on": "bench/results/decide_suggestions.jsonl + bench/results/projects_suggestions.jsonl: 385 suggestions, 231 programs/modules",
    "n": 385,
    "operators": {
        "arithmetic": [
            10,
            21
        ],
        "arithmetic+return_value": [
            0,
            1
        ],
        "arithmetic+wrong_variable": [
            1,
            1
        ],
        "base_case": [
            0,
            3
        ],
        "base_case+comparison": [
            0,
            1
        ],
        "base_case+off_by_one": [
            0,
            1
        ],
        "boolean": [
            15,
            23
        ],
        "boolean+wrong_variable": [
            0,
            2
        ],
        "comparison": [
            36,
            68
        ],
        "comparison+base_case": [
            1,
            1
        ],
        "comparison+comparison": [
            1,
            2
        ],
        "comparison+comparison+guard": [
            1,
            1
        ],
        "comparison+guard": [
            1,
            1
        ],
        "comparison+missing_return": [
            0,
            1
        ],
        "comparison+wrong_variable": [
            1,
            1
        ],
        "constant": [
            4,
            4
        ],
        "conversion": [
            0,
            3
        ],
        "delete_statement": [
            1,
            4
        ],
        "function_swap": [
            0,
            1
        ],
        "guard": [
            3,
            9
        ],
        "missing_return": [
            28,
            42
        ],
        "missing_return+delete_statement": [
            0,
            1
        ],
        "missing_return+off_by_one": [
            1,
            1
        ],
        "missing_return+wrong_variable": [
            1,
            2
        ],
        "off_by_one": [
            28,
            56
        ],
        "off_by_one+arithmetic": [
            1,
            1
        ],
        "off_by_one+off_by_one": [
            1,
            3
        ],
        "return_value": [
            8,
            30
        ],
        "return_value+arithmetic": [
            1,
            1
        ],
        "return_value+comparison": [
            0,
            2
        ],
        "return_value+missing_return": [
            0,
            2
        ],
        "return_value+wrong_variable": [
            0,
            4
        ],
        "slice_bounds": [
            0,
            1
        ],
        "swap_operands": [
            8,
            10
        ],
        "swapped_args": [
            4,
            5
        ],
        "wrong_variable": [
            27,
            71
        ],
        "wrong_variable+arithmetic": [
            0,
            1
        ],
        "wrong_variable+boolean": [
            0,
            1
        ],
        "wrong_variable+constant": [
            1,
            1
        ],
        "wrong_variable+off_by_one": [
            1,
            1
        ]
    },
    "overall_rate": 0.4806,
    "weights": {
        "agreement": 0.0,
        "all_pass": 2.9083,
        "alternative": -0.3015,
        "bias": -1.227,
        "const_return": 0.1913,
        "deletes": 0.0126,
        "drift": 0.1779,
        "fixed_frac": 1.2597,
        "inv_rank": -0.153,
        "llm": 0.0,
        "log_fixed": 0.0702,
        "log_lines": -0.6811,
        "log_passing": 0.1202,
        "log_tokens": -0.3684,
        "multi_edit": 0.1942,
        "narrow": -0.5732,
        "nb_changed": -0.6536,
        "nb_errors": -0.0066,
        "op_prior": 0.409,
        "rival": -0.2292,
        "test_literal": -0.0323,
        "thin_boundary": -0.5356,
        "top_block": 0.2218,
        "user_op": 1.0
    }
}

"""Prior of the decide model. Written by `python bench/decide.py --fit`; do not edit by hand.

weights: MAP logistic regression (Gaussian prior, variance 1.0) on the validated suggestions of the
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
            0.0371
        ],
        [
            0.51,
            0.0407
        ],
        [
            0.52,
            0.0464
        ],
        [
            0.53,
            0.0506
        ],
        [
            0.54,
            0.054
        ],
        [
            0.55,
            0.0563
        ],
        [
            0.56,
            0.0579
        ],
        [
            0.57,
            0.0614
        ],
        [
            0.58,
            0.064
        ],
        [
            0.59,
            0.0676
        ],
        [
            0.6,
            0.074
        ],
        [
            0.61,
            0.076
        ],
        [
            0.62,
            0.0767
        ],
        [
            0.63,
            0.0822
        ],
        [
            0.64,
            0.0855
        ],
        [
            0.65,
            0.0887
        ],
        [
            0.66,
            0.0919
        ],
        [
            0.67,
            0.0961
        ],
        [
            0.68,
            0.1031
        ],
        [
            0.69,
            0.1053
        ],
        [
            0.7,
            0.1084
        ],
        [
            0.71,
            0.1156
        ],
        [
            0.72,
            0.1176
        ],
        [
            0.73,
            0.1223
        ],
        [
            0.74,
            0.1242
        ],
        [
            0.75,
            0.1253
        ],
        [
            0.76,
            0.1356
        ],
        [
            0.77,
            0.1392
        ],
        [
            0.78,
            0.1518
        ],
        [
            0.79,
            0.1559
        ],
        [
            0.8,
            0.1603
        ],
        [
            0.81,
            0.165
        ],
        [
            0.82,
            0.1737
        ],
        [
            0.83,
            0.1827
        ],
        [
            0.84,
            0.1881
        ],
        [
            0.85,
            0.2205
        ],
        [
            0.86,
            0.229
        ],
        [
            0.87,
            0.2612
        ],
        [
            0.88,
            0.2742
        ],
        [
            0.89,
            0.3601
        ],
        [
            0.9,
            0.4006
        ],
        [
            0.91,
            0.7462
        ],
        [
            0.92,
            0.785
        ],
        [
            0.93,
            0.8039
        ],
        [
            0.94,
            0.8227
        ],
        [
            0.95,
            0.8286
        ],
        [
            0.96,
            0.8401
        ],
        [
            0.97,
            0.8486
        ],
        [
            0.98,
            0.8542
        ],
        [
            0.99,
            0.8679
        ],
        [
            0.995,
            0.8685
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
        "all_pass": 4.0223,
        "alternative": -0.9842,
        "bias": -1.8337,
        "const_return": 0.4066,
        "deletes": 0.0881,
        "drift": 0.482,
        "fixed_frac": 1.6569,
        "inv_rank": -0.1871,
        "llm": 0.0,
        "log_fixed": 0.0071,
        "log_lines": -0.8786,
        "log_passing": 0.1833,
        "log_tokens": -0.2172,
        "many_fixed": 0.3918,
        "multi_edit": 0.4833,
        "narrow": -0.9275,
        "nb_changed": -1.1538,
        "nb_errors": -0.0018,
        "op_prior": 0.5352,
        "rival": -0.7006,
        "test_literal": 0.0104,
        "thin_boundary": -0.746,
        "top_block": 0.1566,
        "user_op": 1.0
    }
}

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
            0.0172
        ],
        [
            0.51,
            0.027
        ],
        [
            0.52,
            0.0321
        ],
        [
            0.53,
            0.0355
        ],
        [
            0.54,
            0.0378
        ],
        [
            0.55,
            0.0417
        ],
        [
            0.56,
            0.0437
        ],
        [
            0.57,
            0.0451
        ],
        [
            0.58,
            0.0473
        ],
        [
            0.59,
            0.0488
        ],
        [
            0.6,
            0.0505
        ],
        [
            0.61,
            0.053
        ],
        [
            0.62,
            0.0553
        ],
        [
            0.63,
            0.0582
        ],
        [
            0.64,
            0.0613
        ],
        [
            0.65,
            0.066
        ],
        [
            0.66,
            0.0669
        ],
        [
            0.67,
            0.0708
        ],
        [
            0.68,
            0.0722
        ],
        [
            0.69,
            0.0777
        ],
        [
            0.7,
            0.082
        ],
        [
            0.71,
            0.0867
        ],
        [
            0.72,
            0.0904
        ],
        [
            0.73,
            0.0971
        ],
        [
            0.74,
            0.1015
        ],
        [
            0.75,
            0.1047
        ],
        [
            0.76,
            0.1089
        ],
        [
            0.77,
            0.1116
        ],
        [
            0.78,
            0.1143
        ],
        [
            0.79,
            0.1225
        ],
        [
            0.8,
            0.1283
        ],
        [
            0.81,
            0.1368
        ],
        [
            0.82,
            0.1408
        ],
        [
            0.83,
            0.1423
        ],
        [
            0.84,
            0.1495
        ],
        [
            0.85,
            0.1678
        ],
        [
            0.86,
            0.1792
        ],
        [
            0.87,
            0.2333
        ],
        [
            0.88,
            0.2586
        ],
        [
            0.89,
            0.3425
        ],
        [
            0.9,
            0.631
        ],
        [
            0.91,
            0.7891
        ],
        [
            0.92,
            0.8141
        ],
        [
            0.93,
            0.8334
        ],
        [
            0.94,
            0.8467
        ],
        [
            0.95,
            0.8598
        ],
        [
            0.96,
            0.916
        ],
        [
            0.97,
            0.9381
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
    "fitted_on": "bench/results/decide_suggestions.jsonl + bench/results/repair_sample40_1f13179.jsonl + bench/results/repair_second_sample80_1f13179.jsonl + bench/results/repair_third_sample80.jsonl + bench/results/repair_fourth_sample120.jsonl + bench/results/projects_suggestions.jsonl: 706 suggestions, 431 programs/modules",
    "n": 706,
    "operators": {
        "arithmetic": [
            27,
            44
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
            21,
            33
        ],
        "boolean+wrong_variable": [
            0,
            2
        ],
        "comparison": [
            71,
            132
        ],
        "comparison+base_case": [
            1,
            1
        ],
        "comparison+boolean": [
            0,
            1
        ],
        "comparison+comparison": [
            1,
            4
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
            2
        ],
        "comparison+swap_operands": [
            1,
            1
        ],
        "comparison+wrong_variable": [
            1,
            1
        ],
        "constant": [
            6,
            12
        ],
        "conversion": [
            2,
            8
        ],
        "conversion+off_by_one": [
            0,
            1
        ],
        "delete_statement": [
            1,
            8
        ],
        "function_swap": [
            1,
            2
        ],
        "guard": [
            10,
            20
        ],
        "guard+boolean": [
            1,
            1
        ],
        "guard+comparison": [
            1,
            1
        ],
        "missing_return": [
            52,
            80
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
            2,
            4
        ],
        "off_by_one": [
            42,
            99
        ],
        "off_by_one+arithmetic": [
            1,
            1
        ],
        "off_by_one+off_by_one": [
            2,
            5
        ],
        "off_by_one+swap_operands": [
            0,
            1
        ],
        "off_by_one+swapped_args": [
            0,
            1
        ],
        "return_value": [
            14,
            53
        ],
        "return_value+arithmetic": [
            1,
            1
        ],
        "return_value+comparison": [
            0,
            3
        ],
        "return_value+missing_return": [
            0,
            2
        ],
        "return_value+wrong_variable": [
            0,
            6
        ],
        "slice_bounds": [
            0,
            1
        ],
        "swap_operands": [
            13,
            15
        ],
        "swapped_args": [
            12,
            15
        ],
        "swapped_args+wrong_variable": [
            1,
            2
        ],
        "wrong_variable": [
            54,
            125
        ],
        "wrong_variable+arithmetic": [
            0,
            1
        ],
        "wrong_variable+boolean": [
            0,
            1
        ],
        "wrong_variable+comparison": [
            1,
            1
        ],
        "wrong_variable+constant": [
            1,
            1
        ],
        "wrong_variable+off_by_one": [
            1,
            2
        ],
        "wrong_variable+wrong_variable": [
            0,
            1
        ]
    },
    "overall_rate": 0.4901,
    "weights": {
        "agreement": 0.0,
        "all_pass": 4.2862,
        "alternative": -0.7972,
        "bias": -2.265,
        "const_return": 0.8747,
        "corroborated": 1.1921,
        "deletes": -0.7297,
        "drift": 0.5603,
        "fixed_frac": 1.5608,
        "inv_rank": -0.1341,
        "llm": 0.0,
        "log_fixed": 0.4167,
        "log_lines": -1.0861,
        "log_passing": 0.2149,
        "log_tokens": -0.5161,
        "multi_edit": 0.2395,
        "narrow": -1.4055,
        "nb_changed": -0.9836,
        "nb_errors": -0.0474,
        "op_prior": 0.4606,
        "rival": -1.4336,
        "test_literal": 0.0841,
        "thin_boundary": -0.5215,
        "top_block": 0.1258,
        "user_op": 1.0
    }
}

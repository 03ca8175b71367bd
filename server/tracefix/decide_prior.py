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
            0.2141
        ],
        [
            0.51,
            0.2166
        ],
        [
            0.52,
            0.2253
        ],
        [
            0.53,
            0.2299
        ],
        [
            0.54,
            0.2379
        ],
        [
            0.55,
            0.24
        ],
        [
            0.56,
            0.2418
        ],
        [
            0.57,
            0.2441
        ],
        [
            0.58,
            0.251
        ],
        [
            0.59,
            0.2527
        ],
        [
            0.6,
            0.2545
        ],
        [
            0.61,
            0.2596
        ],
        [
            0.62,
            0.2631
        ],
        [
            0.63,
            0.2704
        ],
        [
            0.64,
            0.281
        ],
        [
            0.65,
            0.2832
        ],
        [
            0.66,
            0.2891
        ],
        [
            0.67,
            0.2922
        ],
        [
            0.68,
            0.2927
        ],
        [
            0.69,
            0.2937
        ],
        [
            0.7,
            0.2952
        ],
        [
            0.71,
            0.313
        ],
        [
            0.72,
            0.3151
        ],
        [
            0.73,
            0.3222
        ],
        [
            0.74,
            0.3236
        ],
        [
            0.75,
            0.3261
        ],
        [
            0.76,
            0.3451
        ],
        [
            0.77,
            0.3553
        ],
        [
            0.78,
            0.3648
        ],
        [
            0.79,
            0.3669
        ],
        [
            0.8,
            0.3685
        ],
        [
            0.81,
            0.3729
        ],
        [
            0.82,
            0.3823
        ],
        [
            0.83,
            0.3874
        ],
        [
            0.84,
            0.3987
        ],
        [
            0.85,
            0.4102
        ],
        [
            0.86,
            0.4175
        ],
        [
            0.87,
            0.4311
        ],
        [
            0.88,
            0.4366
        ],
        [
            0.89,
            0.4432
        ],
        [
            0.9,
            0.4571
        ],
        [
            0.91,
            0.5102
        ],
        [
            0.92,
            0.7077
        ],
        [
            0.93,
            0.7747
        ],
        [
            0.94,
            0.7816
        ],
        [
            0.95,
            0.7894
        ],
        [
            0.96,
            0.7927
        ],
        [
            0.97,
            0.8049
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
        "all_pass": 2.0016,
        "bias": -0.9887,
        "const_return": 0.1503,
        "deletes": -0.0432,
        "drift": -0.0151,
        "fixed_frac": 0.8923,
        "inv_rank": 0.066,
        "llm": 0.0,
        "log_lines": -0.6244,
        "log_tokens": -0.3893,
        "multi_edit": 0.0652,
        "nb_changed": -0.097,
        "nb_errors": 0.0,
        "op_prior": 0.2594,
        "rival": -0.1375,
        "test_literal": -0.1282,
        "top_block": 0.5205,
        "user_op": 1.0
    }
}

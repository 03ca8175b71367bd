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
            0.1918
        ],
        [
            0.51,
            0.1918
        ],
        [
            0.52,
            0.1918
        ],
        [
            0.53,
            0.2034
        ],
        [
            0.54,
            0.2162
        ],
        [
            0.55,
            0.2165
        ],
        [
            0.56,
            0.2198
        ],
        [
            0.57,
            0.2304
        ],
        [
            0.58,
            0.2374
        ],
        [
            0.59,
            0.2484
        ],
        [
            0.6,
            0.256
        ],
        [
            0.61,
            0.2572
        ],
        [
            0.62,
            0.2578
        ],
        [
            0.63,
            0.2659
        ],
        [
            0.64,
            0.2717
        ],
        [
            0.65,
            0.2836
        ],
        [
            0.66,
            0.2875
        ],
        [
            0.67,
            0.2897
        ],
        [
            0.68,
            0.298
        ],
        [
            0.69,
            0.2992
        ],
        [
            0.7,
            0.302
        ],
        [
            0.71,
            0.3091
        ],
        [
            0.72,
            0.3109
        ],
        [
            0.73,
            0.3169
        ],
        [
            0.74,
            0.3208
        ],
        [
            0.75,
            0.3231
        ],
        [
            0.76,
            0.325
        ],
        [
            0.77,
            0.325
        ],
        [
            0.78,
            0.3276
        ],
        [
            0.79,
            0.3336
        ],
        [
            0.8,
            0.3408
        ],
        [
            0.81,
            0.3504
        ],
        [
            0.82,
            0.3525
        ],
        [
            0.83,
            0.3553
        ],
        [
            0.84,
            0.3634
        ],
        [
            0.85,
            0.3702
        ],
        [
            0.86,
            0.3841
        ],
        [
            0.87,
            0.3966
        ],
        [
            0.88,
            0.4007
        ],
        [
            0.89,
            0.4007
        ],
        [
            0.9,
            0.4102
        ],
        [
            0.91,
            0.4173
        ],
        [
            0.92,
            0.4479
        ],
        [
            0.93,
            0.4557
        ],
        [
            0.94,
            0.5892
        ],
        [
            0.95,
            0.782
        ],
        [
            0.96,
            0.7917
        ],
        [
            0.97,
            0.7955
        ],
        [
            0.98,
            0.7968
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
    "fitted_on": "bench/results/decide_suggestions.jsonl + bench/results/projects_suggestions.jsonl: 171 suggestions, 97 programs/modules",
    "n": 171,
    "operators": {
        "arithmetic": [
            8,
            12
        ],
        "boolean": [
            4,
            8
        ],
        "boolean+wrong_variable": [
            0,
            1
        ],
        "comparison": [
            16,
            35
        ],
        "constant": [
            2,
            4
        ],
        "delete_statement": [
            0,
            2
        ],
        "function_swap": [
            1,
            1
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
            16,
            31
        ],
        "off_by_one+arithmetic": [
            1,
            1
        ],
        "off_by_one+missing_return+comparison": [
            0,
            1
        ],
        "off_by_one+missing_return+wrong_variable": [
            0,
            2
        ],
        "return_value": [
            4,
            9
        ],
        "return_value+arithmetic": [
            1,
            1
        ],
        "swap_operands": [
            1,
            1
        ],
        "swapped_args": [
            3,
            5
        ],
        "swapped_args+wrong_variable": [
            1,
            1
        ],
        "wrong_variable": [
            10,
            30
        ],
        "wrong_variable+arithmetic": [
            0,
            1
        ],
        "wrong_variable+boolean": [
            0,
            1
        ],
        "wrong_variable+slice_bounds": [
            1,
            1
        ],
        "wrong_variable+wrong_variable": [
            1,
            1
        ]
    },
    "overall_rate": 0.5202,
    "weights": {
        "agreement": 0.0,
        "all_pass": 2.2335,
        "bias": -0.9368,
        "const_return": 0.1478,
        "deletes": -0.044,
        "drift": -0.0183,
        "fixed_frac": 0.9355,
        "inv_rank": -0.0791,
        "llm": 0.0,
        "log_lines": -0.6266,
        "log_tokens": -0.3445,
        "multi_edit": 0.0282,
        "nb_changed": -0.2184,
        "nb_errors": -0.023,
        "op_prior": 0.2346,
        "rival": -0.1544,
        "test_literal": -0.1131,
        "top_block": 0.41,
        "user_op": 1.0
    }
}

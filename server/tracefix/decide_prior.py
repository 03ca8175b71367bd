"""Prior of the decide model. Written by `python bench/decide.py --fit`; do not edit by hand.

Until the bug corpus exists these are hand-set placeholder values (see "fitted_on").
"""

PRIOR = {
    "fitted_on": "hand-set placeholder (no corpus yet)",
    "n": 0,
    "weights": {
        "bias": -1.0, "all_pass": 1.5, "fixed_frac": 1.0, "log_tests": 0.3, "log_lines": -0.5,
        "log_tokens": -0.3, "top_block": 0.5, "inv_rank": 0.5, "llm": 0.0, "agreement": 0.5,
        "op_prior": 1.0, "user_op": 1.0,
    },
    "operators": {},
    "calibration": [[0.0, 0.0], [0.5, 0.3], [0.8, 0.5], [0.9, 0.6], [0.95, 0.75], [0.99, 0.9], [1.0, 1.0]],
}

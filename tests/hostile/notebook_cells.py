# %% [markdown]
# A notebook saved as a script: cells, top-level code, no functions to speak of.

# %%
values = [3, 1, 2]
total = 0
for v in values:
    total += v

# %%
mean = total / (len(values) + 1)  # the bug: one too many

# %%
assert mean == 2, mean

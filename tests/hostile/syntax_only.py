def (:
    return ]]
class
    x = = 3
for in while:

# Covers: importing sibling modules (traced: they live in the program directory), module-level code of the import, calls across modules.
import _helper_mod
from _helper_mod import Shape, area_sum

shapes = [Shape("sq", 2), Shape("sq", 3)]
print(area_sum(shapes), _helper_mod.LOADED, _helper_mod.describe(shapes[0]))

"""The law's arithmetic as pure functions: dates in, dates out, no state.

Kept apart from the simulation so that each rule can be read beside the article
it implements and tested on the law's own examples (``tests/test_release.py``).
"""

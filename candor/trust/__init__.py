"""candor.trust: which reviews should not count, and why.

A plain Python package (no Django imports): arrays and tables in, a trust probability
in [0, 1] and reason codes per review out. Each signal is its own module; a combiner
turns signals into the trust probability that the rating engine multiplies into a
review's weight.
"""

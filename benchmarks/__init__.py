"""Performance runs: ``python -m benchmarks`` (``make bench``) writes docs/benchmarks.md.

Each section is a module of this package with ``ORDER`` and ``run(report)``; adding a
module adds a section.
"""

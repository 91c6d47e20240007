"""Runner for the learning-rate range test exercise.

It runs in the browser under Pyodide and locally under CPython: `harness`
executes a learner's code and the hidden tests, and `hidden_tests` (added to
the package by build.py) holds those tests.
"""

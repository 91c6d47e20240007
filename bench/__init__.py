"""Benchmark of the exercise page against bare Pyodide; run.py is the command line."""

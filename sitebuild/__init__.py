"""Build, check and serve the learning-rate range test exercise; build.py is the command line."""

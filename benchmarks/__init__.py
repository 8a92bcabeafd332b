"""On-demand benchmarks (not tests): `python -m benchmarks.preview_benchmark`."""

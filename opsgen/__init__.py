"""opsgen: typed, observable business operations generated from YAML specs."""

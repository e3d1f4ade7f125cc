"""Repository tools that are not part of the package: the docs hooks and the reference writer."""

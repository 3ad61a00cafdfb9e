#!/usr/bin/env python
"""Same as the ``smartcity`` console script, for tools that expect manage.py."""

from smartcity.config.cli import main

if __name__ == "__main__":
    main()

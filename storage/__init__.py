"""Everything that touches SQLite or Redis. SQL and Redis key names live nowhere else."""

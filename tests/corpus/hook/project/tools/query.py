import subprocess
subprocess.run(["psql", "-c", "select 1"], check=True)

# A start-up file (BASH_ENV) that runs a client.
psql shop

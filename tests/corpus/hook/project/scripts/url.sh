export DATABASE_URL=postgresql://app:secret@db/app
./bin/server

const client = new Client({ connectionString: "postgres://u@h/db" });

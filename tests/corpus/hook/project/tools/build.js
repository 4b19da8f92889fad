console.log("building");

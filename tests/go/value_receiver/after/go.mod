module case

go 1.19

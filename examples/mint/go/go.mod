module example.com/aforo-bridge-mint

go 1.19

module gostress

go 1.19

DROP TABLE transactions;
DROP TABLE customers;
DROP TABLE depos;

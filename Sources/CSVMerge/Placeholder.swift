// CSVMerge

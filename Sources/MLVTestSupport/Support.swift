import MLVCore

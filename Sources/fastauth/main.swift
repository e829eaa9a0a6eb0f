import FastAuth
print(FastAuthVersion.string)

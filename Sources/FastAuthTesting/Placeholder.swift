import FastAuth

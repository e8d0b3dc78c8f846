"""
A real table: the Palmer penguins
=================================

``neuronet.tabular.train`` learns a table as it comes, with text, gaps and dates: here the
penguins that ship with neuronet, whose species it predicts from the other columns. Three
quarters of the rows train the model; the confusion matrix counts its answers on the
quarter it never saw.
"""

import neuronet
from neuronet import plots

table = neuronet.datasets.penguins()
training = table.sample(frac=0.75, random_state=0)
held_out = table.drop(training.index)

model = neuronet.tabular.train(training, "Species", id="Individual ID")
predicted = model.predict(held_out)

classes = list(model.classes)
short = [name.split(" (")[0] for name in classes]  # "Adelie Penguin", without the Latin
fig = plots.plot_confusion_matrix(held_out["Species"].map(classes.index).to_numpy(),
                                  [classes.index(label) for label in predicted], labels=short)
# fig.savefig("picture.png") writes the figure to a file; in a notebook, naming fig shows it.
